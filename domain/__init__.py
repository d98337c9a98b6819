"""The shared domain of talkfarm: configuration, job states, errors, render
parameters and the database models that the API, tasks and workers all use."""
