variable "enforce" {
  description = "Apply the planned boundaries too (after reading a few plans in S3)."
  type        = bool
  default     = false
}

variable "exceptions" {
  description = "Roles and users never given a boundary."
  type        = list(string)
  default     = ["role/OrganizationAccountAccessRole"]
}

variable "do_not_tag" {
  description = "Roles and users never tagged."
  type        = list(string)
  default     = []
}
