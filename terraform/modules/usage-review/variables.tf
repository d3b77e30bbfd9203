variable "name" {
  description = "Name of the function, its role, log group (`/aws/lambda/<name>`) and schedule rule; the bucket's default name starts with it too."
  type        = string
  default     = "policy_tf-usage-review"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name))
    error_message = "The name must be 1 to 40 letters, digits, hyphens or underscores (a Lambda function, role and rule name)."
  }
}

variable "package_file" {
  description = "The zip built by `policy_tf usage-review package --output FILE` (or `make lambda-package`): policy_tf and what it needs, without boto3, which the runtime brings."
  type        = string
  nullable    = false

  validation {
    condition     = endswith(var.package_file, ".zip") && fileexists(var.package_file)
    error_message = "The package_file must be an existing .zip: run `policy_tf usage-review package --output build/usage-review.zip` first (relative paths are relative to where terraform runs; use path.root)."
  }
}

variable "schedule_expression" {
  description = "When the review runs: an EventBridge `rate(...)` or `cron(...)` expression."
  type        = string
  default     = "rate(90 days)"
  nullable    = false

  validation {
    # EventBridge wants the singular unit for 1 and the plural for more: rate(1 day), rate(90 days).
    condition     = can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\([^()]+\\))$", var.schedule_expression))
    error_message = "The schedule_expression must be rate(N unit) (e.g. \"rate(90 days)\"; for 1, the singular: \"rate(1 day)\") or cron(...)."
  }
}

variable "schedule_enabled" {
  description = "Whether the schedule is enabled; false keeps the function for manual invocations only."
  type        = bool
  default     = true
  nullable    = false
}

variable "enforce" {
  description = "false (default): plan only, nothing but tags changes. true: the review also applies its plan (creates policy_tf boundary policies and attaches them), journaled in S3, and the role gets the permissions for that and for rollback."
  type        = bool
  default     = false
  nullable    = false
}

variable "tag_entities" {
  description = "Whether each run writes the usage tags (`policy_tf:coverage-percent`, ...) on the roles and users."
  type        = bool
  default     = true
  nullable    = false
}

variable "days" {
  description = "A service counts as used if accessed within this many days (1 to 400)."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.days >= 1 && var.days <= 400 && floor(var.days) == var.days
    error_message = "The days must be a whole number from 1 to 400 (Access Advisor keeps 400 days)."
  }
}

variable "min_age_days" {
  description = "Entities younger than this are left alone. null (default) = `days`."
  type        = number
  default     = null

  validation {
    condition     = var.min_age_days == null ? true : (var.min_age_days >= 0 && var.min_age_days <= 400 && floor(var.min_age_days) == var.min_age_days)
    error_message = "The min_age_days must be null or a whole number from 0 to 400."
  }
}

variable "max_data_age_hours" {
  description = "Refuse Access Advisor data older than this many hours."
  type        = number
  default     = 24
  nullable    = false

  validation {
    condition     = var.max_data_age_hours > 0
    error_message = "The max_data_age_hours must be more than 0."
  }
}

variable "exceptions" {
  description = "Roles and users (names, `role/name`, ARNs or `*` globs) never given a boundary; stored as `<config_prefix>exceptions.txt`."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for item in var.exceptions : can(regex("^[\\x21-\\x7E]{1,512}$", item))])
    error_message = "Each exception must be 1 to 512 printable ASCII characters without spaces (IAM names are ASCII)."
  }
}

variable "do_not_tag" {
  description = "Roles and users (names, `role/name`, ARNs or `*` globs) never tagged; stored as `<config_prefix>do-not-tag.txt`."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for item in var.do_not_tag : can(regex("^[\\x21-\\x7E]{1,512}$", item))])
    error_message = "Each do_not_tag entry must be 1 to 512 printable ASCII characters without spaces."
  }
}

variable "base_actions" {
  description = "Actions the boundary of an entity that used nothing keeps. [] (default) = policy_tf's base set (sts:GetCallerIdentity)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for action in var.base_actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9*?]+$", action))])
    error_message = "Each base action must be service:Action (e.g. sts:GetCallerIdentity)."
  }
}

variable "always_keep" {
  description = "Actions every boundary keeps (besides iam:PassRole, always kept), e.g. actions Access Advisor cannot see."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for action in var.always_keep : can(regex("^[a-z0-9-]+:[A-Za-z0-9*?]+$", action))])
    error_message = "Each always_keep action must be service:Action (e.g. kms:Decrypt)."
  }
}

variable "create_bucket" {
  description = "Whether the module creates the bucket (versioned, encrypted, public access blocked). false: use `bucket_name`, which should be versioned so that a rollback can always find its journal."
  type        = bool
  default     = true
  nullable    = false
}

variable "bucket_name" {
  description = "The bucket for configuration, plans, journals and summaries. null (default, with create_bucket) = `<name>-<account>-<region>` (lower-cased)."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null ? true : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "The bucket_name must be a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens."
  }
}

variable "bucket_force_destroy" {
  description = "Whether `terraform destroy` may delete a bucket the module created while it still holds plans and journals."
  type        = bool
  default     = false
  nullable    = false
}

variable "config_prefix" {
  description = "Key prefix of the configuration lists in the bucket."
  type        = string
  default     = "config/"
  nullable    = false

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.config_prefix))
    error_message = "The config_prefix must be one or more path segments, each ending in \"/\" (e.g. \"config/\")."
  }
}

variable "runs_prefix" {
  description = "Key prefix of each run's plan, journal and summary: `<runs_prefix><run id>/plan.json`, ..."
  type        = string
  default     = "runs/"
  nullable    = false

  validation {
    condition     = can(regex("^([A-Za-z0-9!_.*'()-]+/)+$", var.runs_prefix))
    error_message = "The runs_prefix must be one or more path segments, each ending in \"/\" (e.g. \"runs/\")."
  }
}

variable "log_retention_days" {
  description = "How long CloudWatch Logs keeps the function's logs (a value CloudWatch accepts; 0 = never expire)."
  type        = number
  default     = 365
  nullable    = false

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "runtime" {
  description = "Lambda Python runtime (it brings boto3)."
  type        = string
  default     = "python3.12"
  nullable    = false

  validation {
    condition     = contains(["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "The runtime must be python3.9 to python3.13."
  }
}

variable "architecture" {
  description = "Lambda architecture: the package is pure Python, either works."
  type        = string
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "The architecture must be arm64 or x86_64."
  }
}

variable "timeout" {
  description = "Function timeout in seconds (Access Advisor jobs for many entities take minutes)."
  type        = number
  default     = 900
  nullable    = false

  validation {
    condition     = var.timeout >= 60 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "The timeout must be a whole number of seconds from 60 to 900."
  }
}

variable "memory_size" {
  description = "Function memory in MB."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition     = var.memory_size >= 256 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "The memory_size must be a whole number of MB from 256 to 10240."
  }
}

variable "role_path" {
  description = "Path of the execution role."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]*/)?$", var.role_path)) && length(var.role_path) <= 512
    error_message = "The role_path must start and end with \"/\"."
  }
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for the execution role itself, or null."
  type        = string
  default     = null
}

variable "policy_tf_command" {
  description = "Command that runs policy_tf during plan, which writes the execution role's policies from the module's templates (see the policy module)."
  type        = list(string)
  default     = ["policy_tf"]
  nullable    = false

  validation {
    condition     = length(var.policy_tf_command) > 0 && alltrue([for part in var.policy_tf_command : length(part) > 0])
    error_message = "The policy_tf_command must hold at least one element, and no empty ones."
  }
}

variable "policy_tf_working_dir" {
  description = "Working directory of the policy_tf program. null (default) = the directory Terraform runs in."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every resource the module creates."
  type        = map(string)
  default     = {}
  nullable    = false
}
