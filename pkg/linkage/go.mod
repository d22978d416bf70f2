module github.com/familypath/familypath/pkg/linkage

go 1.26.0

require (
	github.com/familypath/familypath/pkg/extracts v0.0.0
	golang.org/x/text v0.43.0
)

require (
	github.com/familypath/familypath/pkg/outcomes v0.0.0 // indirect
	github.com/familypath/familypath/plans v0.0.0 // indirect
	github.com/kr/text v0.2.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/familypath/familypath/pkg/extracts => ../extracts

replace (
	github.com/familypath/familypath/pkg/outcomes => ../outcomes
	github.com/familypath/familypath/plans => ../../plans
)
