"""The stages of one attempt, each a function of an ``Attempt``: inputs
(portrait, segment plan, speech), frames (model, visible mark, invisible
payload), segments (encode and store one segment), finish (join, sign,
publish)."""
