# Role "devbox": developer machines. Everyday tools and a Python toolbox on top of the common
# base and admin environments.

profile "development" {
  description = "Shell, editor, version control and build tools for day-to-day work"

  package "bash" { version = "^5.0.0" }
  package "git" { version = ">=2.40.0" }
  package "vim" {}
  package "make" { version = "^4.4" }
}

profile "python" {
  description = "Python 3.12 and a shell for scripting"

  package "python" { version = "~3.12" }
  package "bash" { version = "^5.2.0" }
}

environment "base" {
  profile          = "base"
  keep_generations = 5
  prevent_destroy  = true
}

environment "dev" {
  profile = "development"
}

environment "py" {
  profile          = "python"
  keep_generations = 2
}

gc {
  grace_period = "7d"
  max_deletes  = 25
}
