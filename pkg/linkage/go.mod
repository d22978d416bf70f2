module github.com/familypath/familypath/pkg/linkage

go 1.26.0
