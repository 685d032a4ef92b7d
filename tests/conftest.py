pytest_plugins = ["simulators.testing"]
