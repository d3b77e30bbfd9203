terraform {
  required_version = ">= 1.3.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0.0"
    }
    # Through the policy module: policy_tf writes the execution role's policies during plan.
    external = {
      source  = "hashicorp/external"
      version = ">= 2.2.0"
    }
  }
}
