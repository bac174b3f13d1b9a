package satisfaction

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var svgRect = regexp.MustCompile(`<rect x="(\d+)" y="(\d+)" width="(\d+)" height="1"/>`)

// TestQRSVG checks that the SVG draws exactly the bitmap rsc.io/qr makes for a known address,
// inside a quiet zone of four modules.
func TestQRSVG(t *testing.T) {
	const text = "https://surveys.example.org/s/counter?via=x7k2m9pq"
	c, err := qrCode(text)
	if err != nil {
		t.Fatal(err)
	}
	// The address is 50 bytes: at level M, version 3 holds 42 and version 4 (33 modules) 62.
	if len(text) != 50 || c.Size != 33 {
		t.Fatalf("size %d, want 33 modules (version 4)", c.Size)
	}
	// The three finder patterns: dark 7×7 rings at three corners.
	for _, corner := range [][2]int{{0, 0}, {c.Size - 7, 0}, {0, c.Size - 7}} {
		x0, y0 := corner[0], corner[1]
		for i := range 7 {
			for _, p := range [][2]int{{x0 + i, y0}, {x0 + i, y0 + 6}, {x0, y0 + i}, {x0 + 6, y0 + i}} {
				if !c.Black(p[0], p[1]) {
					t.Fatalf("finder pattern at %v: module %v is light", corner, p)
				}
			}
		}
		if c.Black(x0+1, y0+1) || !c.Black(x0+3, y0+3) {
			t.Fatalf("finder pattern at %v: wrong centre", corner)
		}
	}
	svg := string(qrSVG(c, "QR code for "+text, "qr-1", 300))
	n := c.Size + 2*qrQuiet
	for _, want := range []string{`viewBox="0 0 41 41"`, `width="300" height="300"`, `shape-rendering="crispEdges"`, `role="img"`,
		`aria-labelledby="qr-1-title"`, `<title id="qr-1-title">QR code for ` + text + `</title>`, `<rect width="41" height="41" fill="#ffffff"/>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	// Rebuild the bitmap from the dark rectangles.
	dark := make([][]bool, n)
	for i := range dark {
		dark[i] = make([]bool, n)
	}
	cells := 0
	for _, m := range svgRect.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := x; i < x+w; i++ {
			if i >= n || y >= n {
				t.Fatalf("rect outside the code: %s", m[0])
			}
			if dark[y][i] {
				t.Fatalf("module %d,%d drawn twice", i, y)
			}
			dark[y][i] = true
			cells++
		}
	}
	want := 0
	for y := range n {
		for x := range n {
			inZone := x < qrQuiet || y < qrQuiet || x >= n-qrQuiet || y >= n-qrQuiet
			if inZone && dark[y][x] {
				t.Fatalf("dark module %d,%d in the quiet zone", x, y)
			}
			if !inZone {
				b := c.Black(x-qrQuiet, y-qrQuiet)
				if b {
					want++
				}
				if b != dark[y][x] {
					t.Fatalf("module %d,%d: SVG %v, bitmap %v", x-qrQuiet, y-qrQuiet, dark[y][x], b)
				}
			}
		}
	}
	if cells != want || cells == 0 || cells >= c.Size*c.Size {
		t.Errorf("%d dark cells drawn, bitmap has %d of %d", cells, want, c.Size*c.Size)
	}
}
