module github.com/familypath/familypath/pkg/linkage

go 1.26.0

require (
	github.com/familypath/familypath/pkg/extracts v0.0.0
	github.com/familypath/familypath/pkg/synthetic v0.0.0
	golang.org/x/text v0.43.0
)

require (
	github.com/familypath/familypath/pkg/outcomes v0.0.0 // indirect
	github.com/familypath/familypath/plans v0.0.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

replace github.com/familypath/familypath/pkg/extracts => ../extracts

replace (
	github.com/familypath/familypath/pkg/outcomes => ../outcomes
	github.com/familypath/familypath/pkg/synthetic => ../synthetic
	github.com/familypath/familypath/plans => ../../plans
)
