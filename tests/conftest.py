pytest_plugins = ["terrain_dev.pytest_plugin"]
