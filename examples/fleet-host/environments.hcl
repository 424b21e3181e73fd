environment "base" {
  profile          = "base"
  keep_generations = 10
  prevent_destroy  = true
}

environment "admin" {
  profile          = "admin"
  keep_generations = 5
}

environment "app" {
  profile          = "python-app"
  conflict_policy  = "error"
  keep_generations = 10
  prevent_destroy  = true
}

environment "rescue" {
  profile          = "rescue"
  conflict_policy  = "priority"
  keep_generations = 2
}
