variable "policies_dir" {
  description = "Folder of policy files written by `policy_tf write-policy-dir --output-dir` (`<name>.json` each), e.g. `\"$${path.root}/policies\"`. Only `*.json` directly in this folder are read. A file holding a JSON list (written with `--fit`) gives one policy per element, named `<name>-1`, `<name>-2`, ..."
  type        = string
  nullable    = false

  validation {
    condition     = length(fileset(var.policies_dir, "*.json")) > 0
    error_message = "The policies_dir holds no *.json file: run `policy_tf write-policy-dir --input-dir TEMPLATES --output-dir POLICIES` before terraform plan, and check the path (relative paths are relative to where terraform runs; use path.root or path.module)."
  }
}

variable "name_prefix" {
  description = "Prefix of every IAM policy name: the policy `<name>.json` is created as `<name_prefix><name>`."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{0,100}$", var.name_prefix))
    error_message = "The name_prefix may hold only letters, digits and +=,.@_- (at most 100 characters)."
  }
}

variable "path" {
  description = "Path of every IAM policy (`/` or `/a/b/`)."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]*/)?$", var.path)) && length(var.path) <= 512
    error_message = "The path must start and end with \"/\" (for example \"/\" or \"/app/\")."
  }
}

variable "description" {
  description = "Description of every IAM policy. null (default) = \"Written by policy_tf from template <name>\". Changing it replaces the policies."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every IAM policy."
  type        = map(string)
  default     = {}
  nullable    = false
}
