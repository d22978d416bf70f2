module github.com/familypath/familypath/pkg/outcomes

go 1.26.0

require gopkg.in/yaml.v3 v3.0.1

require github.com/familypath/familypath/plans v0.0.0

require (
	github.com/kr/pretty v0.3.1 // indirect
	github.com/rogpeppe/go-internal v1.13.1 // indirect
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
)

replace github.com/familypath/familypath/plans => ../../plans
