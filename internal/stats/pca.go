package stats

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// voteRows is the compact, row-major (CSR) form of the included participants' votes, already
// centred: an entry is v − μ_j for a vote v ∈ {−1, 0, +1} on statement j, where μ_j is the mean
// of the seen votes on j. An unseen vote is imputed as μ_j, so once centred it is exactly 0 and
// is simply not stored: the centred matrix keeps the sparsity of the votes.
type voteRows struct {
	rowStart []int64   // len rows+1; row r is cols[rowStart[r]:rowStart[r+1]]
	cols     []int32   // statement index
	vals     []int8    // the vote itself, for counting
	centred  []float32 // v − μ_j
	stmts    int
}

func (m *voteRows) rows() int { return len(m.rowStart) - 1 }

// rowChunks splits the rows into about one contiguous chunk per worker (per core when workers
// is 0), balanced by stored entries.
func (m *voteRows) rowChunks(workers int) [][2]int {
	n := m.rows()
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nnz := m.rowStart[n]
	if workers < 2 || nnz < 1<<15 {
		return [][2]int{{0, n}}
	}
	chunks := make([][2]int, 0, workers)
	lo := 0
	for w := 1; w <= workers && lo < n; w++ {
		target := nnz * int64(w) / int64(workers)
		hi := lo
		for hi < n && m.rowStart[hi] < target {
			hi++
		}
		if w == workers {
			hi = n
		}
		if hi > lo {
			chunks = append(chunks, [2]int{lo, hi})
		}
		lo = hi
	}
	return chunks
}

// gramTimes2 sets y1 = XᵀX w1 and y2 = XᵀX w2 in one pass over the entries: each row's
// u_r = x_r·w is scattered straight back as u_r x_r. Chunks of rows run in parallel, each into
// its own accumulator (acc[c] has room for both results).
func (m *voteRows) gramTimes2(w1, w2, y1, y2 []float64, chunks [][2]int, acc [][]float64) {
	n := len(w1)
	var wg sync.WaitGroup
	for c, ch := range chunks {
		wg.Add(1)
		go func(c int, lo, hi int) {
			defer wg.Done()
			a1, a2 := acc[c][:n], acc[c][n:2*n]
			clear(acc[c])
			for r := lo; r < hi; r++ {
				s, e := m.rowStart[r], m.rowStart[r+1]
				cols, cv := m.cols[s:e], m.centred[s:e]
				cv = cv[:len(cols)]
				var u1, u2 float64
				for i, j := range cols {
					x := float64(cv[i])
					u1 += x * w1[j]
					u2 += x * w2[j]
				}
				for i, j := range cols {
					x := float64(cv[i])
					a1[j] += u1 * x
					a2[j] += u2 * x
				}
			}
		}(c, ch[0], ch[1])
	}
	wg.Wait()
	copy(y1, acc[0][:n])
	copy(y2, acc[0][n:2*n])
	for _, a := range acc[1:] {
		for j := range n {
			y1[j] += a[j]
			y2[j] += a[n+j]
		}
	}
}

// pcaResult holds the first two principal axes (unit loadings per statement) and their
// eigenvalues of XᵀX; an axis is nil when there is no variance left along it.
type pcaResult struct {
	axes   [2][]float64
	values [2]float64
	iters  [2]int
}

// powerPCA finds the two leading eigenvectors of XᵀX by power iteration, the second on the
// Hotelling-deflated matrix XᵀX − λ₁v₁v₁ᵀ (and re-orthogonalised against v₁, so that rounding
// cannot let v₁ back in). The two iterations run side by side, sharing each pass over the votes,
// with the deflation using the current estimate of (λ₁, v₁); they stop when neither vector moves
// by more than tol (Euclidean) or after maxIter passes — Pol.is caps at 100. When the leading
// eigenvalues are close (several groups of similar size) the axes within their span converge
// slowly, but any basis of that span gives the same map up to rotation. The start vectors come
// from a fixed seed, or from warm (the previous map's axes, as Pol.is does, so that a
// recomputation converges in a few passes). Each axis is signed so that its entry of largest
// magnitude is positive.
func powerPCA(m *voteRows, seed uint64, maxIter int, tol float64, warm [2][]float64, workers int) pcaResult {
	var res pcaResult
	n := m.stmts
	chunks := m.rowChunks(workers)
	acc := make([][]float64, len(chunks))
	for i := range acc {
		acc[i] = make([]float64, 2*n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	var w [2][]float64
	for k := range 2 {
		w[k] = make([]float64, n)
		if len(warm[k]) == n && vecNorm(warm[k]) > 0 {
			copy(w[k], warm[k])
		} else {
			for j := range w[k] {
				w[k][j] = rng.Float64() - 0.5
			}
		}
	}
	if !vecNormalise(w[0]) {
		return res
	}
	vecOrthogonalise(w[1], w[0])
	if !vecNormalise(w[1]) {
		for j := range w[1] {
			w[1][j] = rng.Float64() - 0.5
		}
		vecOrthogonalise(w[1], w[0])
		vecNormalise(w[1])
	}
	var total float64
	for _, v := range m.centred {
		total += float64(v) * float64(v)
	}
	y1, y2 := make([]float64, n), make([]float64, n)
	var l1, l2 float64
	ok2, done1 := true, false
	it := 0
	for it < maxIter {
		it++
		m.gramTimes2(w[0], w[1], y1, y2, chunks, acc)
		var d1 float64
		if !done1 {
			l1 = vecDot(w[0], y1)
			if !vecNormalise(y1) {
				return res
			}
			d1 = moved(w[0], y1)
			w[0], y1 = y1, w[0]
			if d1 < tol {
				done1 = true
				res.iters[0] = it
			}
		}
		// Deflate: (XᵀX − λ₁v₁v₁ᵀ)w₂ with the current (λ₁, v₁).
		dd := vecDot(w[0], w[1]) * l1
		for j := range y2 {
			y2[j] -= dd * w[0][j]
		}
		vecOrthogonalise(y2, w[0])
		l2 = vecDot(w[1], y2)
		if !vecNormalise(y2) {
			ok2 = false
			break
		}
		d2 := moved(w[1], y2)
		w[1], y2 = y2, w[1]
		if done1 && d2 < tol {
			break
		}
	}
	if !done1 {
		res.iters[0] = it
	}
	res.iters[1] = it
	// Relative zero: nothing left along an axis (zero variance, or rank one).
	if l1 <= 1e-9*total || l1 <= 1e-12 {
		return res
	}
	signByLargest(w[0])
	res.axes[0], res.values[0] = w[0], l1
	if ok2 && l2 > 1e-9*l1 && l2 > 1e-12 {
		signByLargest(w[1])
		res.axes[1], res.values[1] = w[1], l2
	}
	return res
}

// moved is |a − b|.
func moved(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		d := v - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

func vecDot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func vecNorm(a []float64) float64 { return math.Sqrt(vecDot(a, a)) }

// normalise scales a to unit length, reporting false for the zero vector.
func vecNormalise(a []float64) bool {
	l := vecNorm(a)
	if l == 0 || math.IsNaN(l) || math.IsInf(l, 0) {
		return false
	}
	for i := range a {
		a[i] /= l
	}
	return true
}

// orthogonalise removes from a its component along the unit vector u.
func vecOrthogonalise(a, u []float64) {
	d := vecDot(a, u)
	for i := range a {
		a[i] -= d * u[i]
	}
}

func signByLargest(a []float64) {
	best, idx := -1.0, 0
	for i, v := range a {
		if math.Abs(v) > best {
			best, idx = math.Abs(v), i
		}
	}
	if a[idx] < 0 {
		for i := range a {
			a[i] = -a[i]
		}
	}
}
