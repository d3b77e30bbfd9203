# Template inputs, shared by the `policy` and `template` modules.
# modules/policy/variables.tf and modules/template/variables.tf must stay identical
# (tests/terraform/test_terraform_modules.py checks it): edit one, copy it to the other.

variable "name" {
  description = "Name of the policy. policy_tf writes `write-policy-dir` output to `<name>.json`; the `policy` module also uses it as the IAM policy name unless `policy_name` is set. Letters, digits and `+=,.@_-`, up to 128 characters."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.name))
    error_message = "The name must be 1 to 128 letters, digits or +=,.@_- (the characters IAM allows in a policy name)."
  }
}

variable "description" {
  description = "What the policy is for. Kept in the template; the `policy` module also uses it as the IAM policy's description unless `policy_description` is set."
  type        = string
  default     = null
}

variable "effect" {
  description = "Effect of every statement: `Allow` or `Deny`. A Deny policy never adds dependent actions."
  type        = string
  default     = "Allow"
  nullable    = false

  validation {
    condition     = contains(["Allow", "Deny"], var.effect)
    error_message = "The effect must be \"Allow\" or \"Deny\"."
  }
}

variable "read" {
  description = "ARNs to grant Read access on (template key `read`). policy_tf grants the Read actions of each ARN's resource type."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.read : can(regex("^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$", arn))])
    error_message = "Every entry of read must be an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)."
  }
}

variable "write" {
  description = "ARNs to grant Write access on (template key `write`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.write : can(regex("^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$", arn))])
    error_message = "Every entry of write must be an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)."
  }
}

variable "list" {
  description = "ARNs to grant List access on (template key `list`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.list : can(regex("^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$", arn))])
    error_message = "Every entry of list must be an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)."
  }
}

variable "tagging" {
  description = "ARNs to grant Tagging access on (template key `tagging`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.tagging : can(regex("^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$", arn))])
    error_message = "Every entry of tagging must be an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)."
  }
}

variable "permissions_management" {
  description = "ARNs to grant Permissions management access on (template key `permissions-management`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.permissions_management : can(regex("^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$", arn))])
    error_message = "Every entry of permissions_management must be an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)."
  }
}

variable "wildcard_only_single_actions" {
  description = "Actions that support only `Resource: \"*\"`, e.g. `ssm:DescribeParameters` (template key `wildcard-only.single-actions`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for action in var.wildcard_only_single_actions : can(regex("^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$", action))])
    error_message = "Every entry of wildcard_only_single_actions must be an action such as \"ssm:DescribeParameters\"."
  }
}

variable "wildcard_only_service_read" {
  description = "Service prefixes (e.g. `s3`) whose Read actions that support only `*` are granted (template key `wildcard-only.service-read`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for prefix in var.wildcard_only_service_read : can(regex("^[A-Za-z0-9-]+$", prefix))])
    error_message = "Every entry of wildcard_only_service_read must be a service prefix such as \"s3\"."
  }
}

variable "wildcard_only_service_write" {
  description = "Service prefixes whose Write actions that support only `*` are granted (template key `wildcard-only.service-write`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for prefix in var.wildcard_only_service_write : can(regex("^[A-Za-z0-9-]+$", prefix))])
    error_message = "Every entry of wildcard_only_service_write must be a service prefix such as \"s3\"."
  }
}

variable "wildcard_only_service_list" {
  description = "Service prefixes whose List actions that support only `*` are granted (template key `wildcard-only.service-list`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for prefix in var.wildcard_only_service_list : can(regex("^[A-Za-z0-9-]+$", prefix))])
    error_message = "Every entry of wildcard_only_service_list must be a service prefix such as \"s3\"."
  }
}

variable "wildcard_only_service_tagging" {
  description = "Service prefixes whose Tagging actions that support only `*` are granted (template key `wildcard-only.service-tagging`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for prefix in var.wildcard_only_service_tagging : can(regex("^[A-Za-z0-9-]+$", prefix))])
    error_message = "Every entry of wildcard_only_service_tagging must be a service prefix such as \"s3\"."
  }
}

variable "wildcard_only_service_permissions_management" {
  description = "Service prefixes whose Permissions management actions that support only `*` are granted (template key `wildcard-only.service-permissions-management`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for prefix in var.wildcard_only_service_permissions_management : can(regex("^[A-Za-z0-9-]+$", prefix))])
    error_message = "Every entry of wildcard_only_service_permissions_management must be a service prefix such as \"s3\"."
  }
}

variable "skip_resource_constraints" {
  description = "Actions to grant on `*` on purpose, although they support resource ARNs (template key `skip-resource-constraints`). policy_tf warns about each."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for action in var.skip_resource_constraints : can(regex("^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$", action))])
    error_message = "Every entry of skip_resource_constraints must be an action such as \"s3:GetObject\" (wildcards * and ? allowed)."
  }
}

variable "exclude_actions" {
  description = "Actions to leave out of the policy; wildcards allowed, case-insensitive, e.g. `s3:Delete*` (template key `exclude-actions`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for action in var.exclude_actions : can(regex("^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$", action))])
    error_message = "Every entry of exclude_actions must be an action pattern such as \"s3:Delete*\"."
  }
}

variable "sts_assume_role" {
  description = "IAM role ARNs to allow `sts:AssumeRole` on (template key `sts.assume-role`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.sts_assume_role : can(regex("^arn:[^:]+:iam::[^:]*:role/.+$", arn))])
    error_message = "Every entry of sts_assume_role must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "sts_assume_role_with_saml" {
  description = "IAM role ARNs to allow `sts:AssumeRoleWithSAML` on (template key `sts.assume-role-with-saml`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.sts_assume_role_with_saml : can(regex("^arn:[^:]+:iam::[^:]*:role/.+$", arn))])
    error_message = "Every entry of sts_assume_role_with_saml must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "sts_assume_role_with_web_identity" {
  description = "IAM role ARNs to allow `sts:AssumeRoleWithWebIdentity` on (template key `sts.assume-role-with-web-identity`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.sts_assume_role_with_web_identity : can(regex("^arn:[^:]+:iam::[^:]*:role/.+$", arn))])
    error_message = "Every entry of sts_assume_role_with_web_identity must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "cross_service" {
  description = "Service prefixes (e.g. `[\"ebs\"]`), or `[\"all\"]`, whose actions on the ARNs of read, write, list, tagging and permissions_management are granted too (template key `cross-service`). By default an ARN gets actions of its own service only."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for name in var.cross_service : can(regex("^[A-Za-z0-9-]+$", name))])
    error_message = "Every entry of cross_service must be a service prefix (such as ebs or ssm), or all."
  }

  validation {
    condition     = !contains(var.cross_service, "all") || length(var.cross_service) == 1
    error_message = "cross_service: \"all\" already covers every service; give either [\"all\"] or a list of services."
  }
}

variable "named_actions" {
  description = "Named actions on named ARNs (template key `named-actions`): action => [ARNs], e.g. `{ \"iam:PassRole\" = [\"arn:aws:iam::123456789012:role/replication\"] }`. policy_tf checks that each action acts on each ARN's resource type."
  type        = map(list(string))
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for action in keys(var.named_actions) : can(regex("^[A-Za-z0-9-]+:[A-Za-z0-9]+$", action))])
    error_message = "Every key of named_actions must be one action (service:Action, no wildcards)."
  }

  validation {
    condition     = alltrue(flatten([for arns in values(var.named_actions) : [for arn in arns : can(regex("^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$", arn))]]))
    error_message = "Every ARN in named_actions must be an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)."
  }
}

variable "conditions" {
  description = "IAM condition blocks by template section (template key `conditions`): section => { operator => { condition key => [values] } }. Sections: all, read, write, list, tagging, permissions-management, wildcard-only, skip-resource-constraints, sts, named-actions. Example: `{ all = { Bool = { \"aws:SecureTransport\" = [\"true\"] } } }`."
  type        = map(map(map(list(string))))
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for section in keys(var.conditions) : contains(
        ["all", "read", "write", "list", "tagging", "permissions-management", "wildcard-only", "skip-resource-constraints", "sts", "named-actions"],
        section,
      )
    ])
    error_message = "The keys of conditions must be template sections: all, read, write, list, tagging, permissions-management, wildcard-only, skip-resource-constraints, sts, named-actions."
  }
}

variable "include_dependent_actions" {
  description = "Which actions that granted actions depend on policy_tf adds (template key `include-dependent-actions`): `true` or `scoped` (the default: same service, on the granted ARN or under it), `all` (also the others, each named in a warning), `false` or `none`. A bool is accepted too."
  type        = string
  default     = "true"
  nullable    = false

  validation {
    condition     = contains(["true", "scoped", "all", "false", "none"], lower(var.include_dependent_actions))
    error_message = "include_dependent_actions must be true, scoped, all, false or none."
  }
}

variable "policy_tf_command" {
  description = "Command that runs policy_tf, as a list: `[\"policy_tf\"]` (default, looked up on PATH), a virtualenv's `[\"/path/to/venv/bin/policy_tf\"]`, or `[\"python3\", \"-m\", \"policy_tf\"]`. The `policy` module appends `terraform-external`; the `template` module runs it only to write `output_file` (`save-template`)."
  type        = list(string)
  default     = ["policy_tf"]
  nullable    = false

  validation {
    condition     = length(var.policy_tf_command) > 0 && alltrue([for part in var.policy_tf_command : length(part) > 0])
    error_message = "The policy_tf_command must hold at least one element, and no empty ones."
  }
}
