# Inputs of the template module only (the template inputs are in variables.tf).

variable "output_file" {
  description = "Optional path to write the YAML template to during `terraform apply` (for example `\"$${path.root}/templates/$${var.name}.yml\"`), so that `policy_tf write-policy-dir` can read it. Written by `policy_tf save-template` (see `policy_tf_command`), without a shell or any provider; removed on destroy. Leave null to use the `yaml` output instead."
  type        = string
  default     = null

  validation {
    condition     = var.output_file == null ? true : length(trimspace(var.output_file)) > 0
    error_message = "The output_file must be a path or null."
  }
}
