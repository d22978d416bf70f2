// Package csvout writes the CSV files the services and the analysts' batch export: CSV that a
// spreadsheet opens without running anything. A cell a spreadsheet would take as a formula
// (starting with =, +, -, @, a tab or a carriage return) is written with a leading single
// quote, unless it is a plain number (a negative count stays a number).
package csvout

import (
	"encoding/csv"
	"io"
	"strconv"
)

// Writer is a csv.Writer whose records are made safe cell by cell.
type Writer struct {
	*csv.Writer
	cells []string // reused for each record
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{Writer: csv.NewWriter(w)} }

// Write writes one record, each cell made safe.
func (w *Writer) Write(record []string) error {
	w.cells = w.cells[:0]
	for _, c := range record {
		w.cells = append(w.cells, Cell(c))
	}
	return w.Writer.Write(w.cells)
}

// WriteAll writes records, each cell made safe, and flushes.
func (w *Writer) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// Cell is a value as a spreadsheet may safely read it.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] != '=' && s[0] != '@' {
			return s
		}
		return "'" + s
	}
	return s
}
