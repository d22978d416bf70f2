package batch

// Pairwise is the precision, recall and F1 of the pairs of records put together by predicted
// (a person or household per record) against the pairs put together by actual (the truth):
// how linkage quality is measured on data with truth (the synthetic county, FEBRL).
func Pairwise(predicted []int, actual []string) (precision, recall, f1 float64) {
	type cell struct {
		p int
		a string
	}
	cells, ps, as := map[cell]int{}, map[int]int{}, map[string]int{}
	for i := range predicted {
		cells[cell{predicted[i], actual[i]}]++
		ps[predicted[i]]++
		as[actual[i]]++
	}
	pairs := func(n int) float64 { return float64(n) * float64(n-1) / 2 }
	var tp, pred, act float64
	for _, n := range cells {
		tp += pairs(n)
	}
	for _, n := range ps {
		pred += pairs(n)
	}
	for _, n := range as {
		act += pairs(n)
	}
	precision, recall = tp/pred, tp/act
	return precision, recall, 2 * precision * recall / (precision + recall)
}
