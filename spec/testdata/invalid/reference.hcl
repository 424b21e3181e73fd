store {
  dataset = "zroot/axiom"
}

profile "development" {}
profile "production" {}

environment "dev" {
  profile = "developmnet" # ERROR: Reference to undefined profile
}

environment "prod" {
  profile = "prod" # ERROR: Reference to undefined profile
}

environment "other" {
  profile = "nothing-like-it" # ERROR: Reference to undefined profile
}
