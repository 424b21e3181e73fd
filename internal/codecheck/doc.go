// Package codecheck has no code: its tests keep rules about the whole project's source that no
// compiler or linter checks, so that they stay true as the code changes (see its tests: no
// function longer than about 80 lines).
package codecheck
