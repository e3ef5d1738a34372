"""The Demeter model (fixture: the shape of demeter/model.py in 2.0.1)."""

import logging
import os


class Model:
    """Downscale GCAM land allocation to a grid.

    :param config_file:        Full path with file name and extension to the input
                               configuration INI file
    :param run_dir:            Full path to the directory holding inputs and outputs
    :param write_outputs:      Write outputs to files (default True)
    """

    def __init__(self, **kwargs):
        self.params = kwargs
        self.config_file = kwargs.get("config_file", None)
        self.run_dir = kwargs.get("run_dir", os.getcwd())
        self.write_outputs = kwargs.get("write_outputs", True)

    def execute(self):
        """Run every time step and return the land allocation by step."""
        logging.info("running demeter with %s", self.config_file)
        return {}


def run_model(**kwargs):
    """Run Demeter with keyword arguments instead of a configuration object.

    :param config_file:        Full path with file name and extension to the input
                               configuration INI file
    :param run_dir:            Full path to the directory holding inputs and outputs
    :param write_outputs:      Write outputs to files (default True)

    :return:                   Land allocation by time step
    """
    model = Model(**kwargs)
    return model.execute()
