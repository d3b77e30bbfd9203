# Credentials come from the usual places (environment, ~/.aws, SSO, instance role).
# Kept out of versions.tf, so that a configuration (such as the tests) can call this
# folder as a module without this file and give it its own provider.
provider "aws" {
  region = var.region
}
