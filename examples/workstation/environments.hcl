environment "dev" {
  profile = "development"
}

environment "py" {
  profile          = "python"
  keep_generations = 2
}
