module github.com/familypath/familypath/pkg/extracts

go 1.26.0
