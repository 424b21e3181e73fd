// Package examples holds no code: it is the home of the example configurations (one directory
// each) and of the sample packages they install (packages/, in upstream Axiom's package
// directory format). Its test keeps them honest: every example must validate, be formatted, and
// be installable from the sample packages with every version constraint holding and no file
// conflicts that its conflict policy does not allow.
package examples
