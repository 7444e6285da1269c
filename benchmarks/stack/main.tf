# N copies of a three-tier stack: the configuration the benchmarks plan once for small N and
# the generator replicates for large N.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "mock"
  secret_key                  = "mock"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

variable "stacks" {
  type    = number
  default = 1
}

module "stack" {
  source = "./modules/three_tier"
  count  = var.stacks
  name   = "shop${count.index}"
}
