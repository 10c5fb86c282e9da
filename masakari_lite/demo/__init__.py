"""``masakari-lite demo``: a simulated cloud, the all-in-one service, two failures, live.

world.py builds the cloud, tracker.py follows each instance through the API
and the simulator, display.py draws it, scenario.py runs the story.
"""
