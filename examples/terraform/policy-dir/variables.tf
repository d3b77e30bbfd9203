variable "region" {
  description = "AWS region of the provider (IAM itself is global)."
  type        = string
  default     = "eu-west-1"
}

variable "policies_dir" {
  description = "Folder written by `policy_tf write-policy-dir --output-dir`. null (default) = policies/ next to this file."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prefix of the IAM policy names."
  type        = string
  default     = "order-worker-"
}
