# Builds the policy_tf template (policy_sentry's `mode: crud` format) from the variables.
# modules/policy/template.tf and modules/template/template.tf must stay identical
# (tests/terraform/test_terraform_modules.py checks it): edit one, copy it to the other. A copy, not a
# call of ../template, so each module works on its own when vendored or fetched as a package.

locals {
  wildcard_only = {
    for key, value in {
      "single-actions"                 = var.wildcard_only_single_actions
      "service-read"                   = var.wildcard_only_service_read
      "service-write"                  = var.wildcard_only_service_write
      "service-list"                   = var.wildcard_only_service_list
      "service-tagging"                = var.wildcard_only_service_tagging
      "service-permissions-management" = var.wildcard_only_service_permissions_management
    } : key => value if length(value) > 0
  }

  sts = {
    for key, value in {
      "assume-role"                   = var.sts_assume_role
      "assume-role-with-saml"         = var.sts_assume_role_with_saml
      "assume-role-with-web-identity" = var.sts_assume_role_with_web_identity
    } : key => value if length(value) > 0
  }

  template_fields = {
    mode                        = "crud"
    name                        = var.name
    description                 = var.description
    effect                      = var.effect
    read                        = var.read
    write                       = var.write
    list                        = var.list
    tagging                     = var.tagging
    "permissions-management"    = var.permissions_management
    "wildcard-only"             = local.wildcard_only
    "skip-resource-constraints" = var.skip_resource_constraints
    "exclude-actions"           = var.exclude_actions
    sts                         = local.sts
    "cross-service"             = var.cross_service
    "named-actions"             = { for action, arns in var.named_actions : action => arns if length(arns) > 0 }
    conditions                  = { for section, block in var.conditions : section => block if length(block) > 0 }
    # The default (true, scoped) is left out; the others are written as given, in lower case.
    "include-dependent-actions" = (
      contains(["true", "scoped"], lower(var.include_dependent_actions)) ? null : lower(var.include_dependent_actions)
    )
  }

  # The template without empty keys, so that it shows only what was asked for.
  # (length() fails on a bool, which try() keeps.)
  template = {
    for key, value in local.template_fields : key => value
    if value != null && try(length(value) > 0, true)
  }
}
