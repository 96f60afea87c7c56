"""What every layer needs and nothing depends on: configuration values, translations and formatting.

The bottom of the import graph (see .importlinter): core imports no other package of this project.
"""
