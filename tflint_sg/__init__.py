"""tflint-sg: finds the traffic a Terraform configuration intends but its AWS security groups block."""

# The project's one statement of its version: pyproject.toml's metadata reads it from here.
__version__ = "0.1.0"
