"""tflint-sg: finds the traffic a Terraform configuration intends but its AWS security groups block."""

__version__ = "0.1.0"
