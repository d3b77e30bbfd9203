terraform {
  required_version = ">= 1.3.0"

  required_providers {
    # data "external" runs `policy_tf terraform-external` during plan.
    external = {
      source  = "hashicorp/external"
      version = ">= 2.2.0"
    }
    # aws_iam_policy, only when create_policy = true.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 4.0.0"
    }
  }
}
