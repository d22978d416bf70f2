module github.com/familypath/familypath/pkg/outcomes

go 1.26.0

require gopkg.in/yaml.v3 v3.0.1

require github.com/familypath/familypath/plans v0.0.0

replace github.com/familypath/familypath/plans => ../../plans
