# Inputs of the policy module only (the template inputs are in variables.tf).

variable "template_yaml" {
  description = "A whole policy_tf template as YAML or JSON text, e.g. `file(\"$${path.module}/templates/app.yml\")`, instead of the template inputs (useful for `mode: actions` templates). When set, leave read, write, list, tagging, permissions_management, wildcard_only_*, skip_resource_constraints, exclude_actions, sts_*, cross_service, named_actions, conditions, effect and include_dependent_actions at their defaults; `name` is then used only for the IAM policy name."
  type        = string
  default     = null
}

variable "minimize" {
  description = "Shorten action lists to safe prefix wildcards (`s3:Get*`) of at least this many characters, like `write-policy --minimize N`. null (default) = off; 0 = shortest safe prefixes."
  type        = number
  default     = null

  validation {
    condition     = var.minimize == null ? true : (var.minimize >= 0 && floor(var.minimize) == var.minimize)
    error_message = "The minimize value must be null or a whole number of 0 or more."
  }
}

variable "fit" {
  description = "Fit AWS's policy size limit, like `write-policy --fit`: `managed` (6,144 characters; split into several policies if needed), `inline-role` (10,240), `inline-user` (2,048) or `inline-group` (5,120). null (default) = no size check."
  type        = string
  default     = null

  validation {
    condition     = var.fit == null ? true : contains(["managed", "inline-role", "inline-user", "inline-group"], var.fit)
    error_message = "The fit value must be null, \"managed\", \"inline-role\", \"inline-user\" or \"inline-group\"."
  }
}


variable "policy_tf_working_dir" {
  description = "Working directory of the policy_tf program. null (default) = the directory Terraform runs in."
  type        = string
  default     = null
}

variable "create_policy" {
  description = "Whether to create the IAM managed policy (`aws_iam_policy`). false (default): only compute the policy; use the `policy_json` output in your own resources."
  type        = bool
  default     = false
  nullable    = false
}

variable "policy_name" {
  description = "Name of the IAM policy created when create_policy = true. null (default) = `name`. When `fit = \"managed\"` splits the policy into several, they are named `<policy_name>-1`, `<policy_name>-2`, ..."
  type        = string
  default     = null

  validation {
    condition     = var.policy_name == null ? true : can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.policy_name))
    error_message = "The policy_name must be 1 to 128 letters, digits or +=,.@_-."
  }
}

variable "policy_path" {
  description = "Path of the IAM policy created when create_policy = true (`/` or `/a/b/`)."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]*/)?$", var.policy_path)) && length(var.policy_path) <= 512
    error_message = "The policy_path must start and end with \"/\" (for example \"/\" or \"/app/\")."
  }
}

variable "policy_description" {
  description = "Description of the IAM policy created when create_policy = true. null (default) = `description`. Changing it replaces the policy."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of the IAM policy created when create_policy = true."
  type        = map(string)
  default     = {}
  nullable    = false
}
