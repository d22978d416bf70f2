module github.com/familypath/familypath/pkg/synthetic

go 1.26.0

require (
	github.com/familypath/familypath/pkg/extracts v0.0.0
	github.com/familypath/familypath/pkg/outcomes v0.0.0
	github.com/familypath/familypath/plans v0.0.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace (
	github.com/familypath/familypath/pkg/extracts => ../extracts
	github.com/familypath/familypath/pkg/outcomes => ../outcomes
	github.com/familypath/familypath/plans => ../../plans
)
