variable "region" {
  description = "AWS region of the provider (IAM itself is global)."
  type        = string
  default     = "eu-west-1"
}

variable "boundaries_dir" {
  description = "Folder written by `policy_tf boundary plan --output-dir`. null (default) = boundaries/ next to this file."
  type        = string
  default     = null
}

variable "role_name" {
  description = "Name of the role; `boundary plan` must have planned a boundary for it."
  type        = string
  default     = "app"
}
