module github.com/familypath/familypath/plans

go 1.26.0
