environment "login" {
  profile = "shell"
}

environment "base" {
  profile          = "base"
  keep_generations = 10
}
