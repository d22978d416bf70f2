module github.com/familypath/familypath/pkg/outcomes

go 1.26.0

require (
	github.com/familypath/familypath/plans v0.0.0
	go.yaml.in/yaml/v3 v3.0.5
)

replace github.com/familypath/familypath/plans => ../../plans
