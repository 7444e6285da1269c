# The rest of the example in aws_data_store_client_egress_blocked.md.

resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
}

resource "aws_subnet" "private_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.60.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_efs_file_system" "media" {}

resource "aws_efs_access_point" "media" {
  file_system_id = aws_efs_file_system.media.id
}

resource "aws_iam_role" "thumbnailer" {
  name               = "thumbnailer"
  assume_role_policy = "{}"
}
