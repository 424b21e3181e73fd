# a.hcl declares a profile whose name cannot be read: it might be "x".
environment "e" {
  profile = "x"
}
