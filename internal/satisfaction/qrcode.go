package satisfaction

import (
	"bytes"
	"html/template"
	"strconv"

	"rsc.io/qr"
)

// qrQuiet is the quiet zone around a QR code, in modules (the standard asks for 4).
const qrQuiet = 4

// qrCode encodes text as a QR code with medium error correction (about 15% of the code may
// be damaged or covered and it still reads).
func qrCode(text string) (*qr.Code, error) { return qr.Encode(text, qr.M) }

// qrSVG draws a QR code as SVG: a white square with the quiet zone, then one rectangle per
// horizontal run of dark modules, drawn with crisp edges so that scanners see sharp modules at
// any size. width is the drawn size in CSS pixels (0: scale to the container). The title is
// the accessible name (role="img").
func qrSVG(c *qr.Code, title, id string, width int) template.HTML {
	n := c.Size + 2*qrQuiet
	ns := strconv.Itoa(n)
	var b bytes.Buffer
	b.Grow(64 * c.Size)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 `)
	b.WriteString(ns + " " + ns + `"`)
	if width > 0 {
		w := strconv.Itoa(width)
		b.WriteString(` width="` + w + `" height="` + w + `"`)
	}
	b.WriteString(` shape-rendering="crispEdges" role="img" aria-labelledby="` + id + `-title" class="qr-code">`)
	b.WriteString(`<title id="` + id + `-title">` + template.HTMLEscapeString(title) + `</title>`)
	b.WriteString(`<rect width="` + ns + `" height="` + ns + `" fill="#ffffff"/>`)
	b.WriteString(`<g fill="#000000">`)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; {
			if !c.Black(x, y) {
				x++
				continue
			}
			start := x
			for x < c.Size && c.Black(x, y) {
				x++
			}
			b.WriteString(`<rect x="` + strconv.Itoa(start+qrQuiet) + `" y="` + strconv.Itoa(y+qrQuiet) +
				`" width="` + strconv.Itoa(x-start) + `" height="1"/>`)
		}
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}
