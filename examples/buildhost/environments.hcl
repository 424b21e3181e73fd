environment "toolchain" {
  profile          = "toolchain"
  keep_generations = 3
}

environment "release" {
  profile          = "toolchain" # same profile, separate environment and generations
  keep_generations = 10
  prevent_destroy  = true
}

environment "ci" {
  profile          = "ci"
  keep_generations = 5
}

environment "legacy" {
  profile         = "legacy"
  prevent_destroy = true
}
