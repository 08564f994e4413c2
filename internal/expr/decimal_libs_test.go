package expr

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/quagmt/udecimal"
	"github.com/shopspring/decimal"
)

// BenchmarkDecimalLibrary parses two numbers, multiplies them and appends
// the product's text to a buffer: the work of amount *= 1.2. It compares
// the candidate libraries with Number (an int64 fast path over apd) on
// money values, int64 values, integers just beyond int64, and values
// beyond 128 bits. docs/expressions.md explains the choice it supports.
var decimalCases = []struct {
	name string
	x, y string
}{
	{"money", "1819.86", "1.2"},
	{"int64", "1442018818771", "3"},
	{"bigint", "-9214364837600034816", "12345678901234567890"},
	{"bigger", "123456789012345678901234567890", "98765432109876543210.5"},
}

func BenchmarkDecimalLibrary(b *testing.B) {
	for _, tc := range decimalCases {
		b.Run("apd/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var x, y, z apd.Decimal
			buf := make([]byte, 0, 64)
			for b.Loop() {
				if _, _, err := x.SetString(tc.x); err != nil {
					b.Fatal(err)
				}
				if _, _, err := y.SetString(tc.y); err != nil {
					b.Fatal(err)
				}
				if _, err := apd.BaseContext.Mul(&z, &x, &y); err != nil {
					b.Fatal(err)
				}
				buf = z.Append(buf[:0], 'f')
			}
		})
		b.Run("number/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var a Arith
			buf := make([]byte, 0, 64)
			for b.Loop() {
				a.Reset()
				x, err := a.Parse(tc.x, false)
				if err != nil {
					b.Fatal(err)
				}
				y, err := a.Parse(tc.y, false)
				if err != nil {
					b.Fatal(err)
				}
				z, err := a.Mul(x, y)
				if err != nil {
					b.Fatal(err)
				}
				buf = z.Append(buf[:0])
			}
		})
		b.Run("shopspring/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64)
			for b.Loop() {
				x, err := decimal.NewFromString(tc.x)
				if err != nil {
					b.Fatal(err)
				}
				y, err := decimal.NewFromString(tc.y)
				if err != nil {
					b.Fatal(err)
				}
				buf = append(buf[:0], x.Mul(y).String()...)
			}
		})
		b.Run("udecimal/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64)
			for b.Loop() {
				x, err := udecimal.Parse(tc.x)
				if err != nil {
					b.Fatal(err)
				}
				y, err := udecimal.Parse(tc.y)
				if err != nil {
					b.Fatal(err)
				}
				buf, err = x.Mul(y).AppendText(buf[:0])
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
