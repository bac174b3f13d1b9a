package stats

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// mapPoint is a participant's place on the two-dimensional opinion map.
type mapPoint = [2]float64

func dist2(a, b mapPoint) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return dx*dx + dy*dy
}

func weightOf(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

// kmeansPP chooses up to k starting centres by k-means++ (Arthur and Vassilvitskii 2007): the
// first with probability proportional to weight, each next with probability proportional to
// weight × squared distance to the nearest centre so far. It stops early when every mapPoint
// already sits on a centre, so the result may have fewer than k centres.
func kmeansPP(pts []mapPoint, w []float64, k int, rng *rand.Rand) []mapPoint {
	if len(pts) == 0 || k <= 0 {
		return nil
	}
	// Squared distances below tiny count as 0: projections of identical vote rows can differ in
	// the last bits, and must not become separate centres.
	lo, hi := pts[0], pts[0]
	for _, p := range pts {
		lo = mapPoint{min(lo[0], p[0]), min(lo[1], p[1])}
		hi = mapPoint{max(hi[0], p[0]), max(hi[1], p[1])}
	}
	tiny := 1e-20 * dist2(lo, hi)
	d := make([]float64, len(pts))
	var total float64
	for i := range pts {
		d[i] = weightOf(w, i)
		total += d[i]
	}
	centres := make([]mapPoint, 0, k)
	for len(centres) < k {
		if !(total > 0) {
			break
		}
		x := rng.Float64() * total
		pick := len(pts) - 1
		for i, v := range d {
			if x < v {
				pick = i
				break
			}
			x -= v
		}
		for d[pick] == 0 && pick > 0 { // rounding at the very end: step back to a live mapPoint
			pick--
		}
		c := pts[pick]
		centres = append(centres, c)
		total = 0
		for i, p := range pts {
			dd := dist2(p, c)
			if dd <= tiny {
				dd = 0
			}
			nd := weightOf(w, i) * dd
			if len(centres) == 1 || nd < d[i] {
				d[i] = nd
			}
			total += d[i]
		}
	}
	return centres
}

// kmeans runs Lloyd's algorithm from k-means++ centres with the given seed, returning the
// centres, each mapPoint's centre and the weighted within-cluster sum of squares. A centre left
// without points keeps its place. The assignment step runs in parallel for many points.
func kmeans(pts []mapPoint, w []float64, k int, seed uint64, maxIter int) ([]mapPoint, []int32, float64) {
	return kmeansWorkers(pts, w, k, seed, maxIter, 0)
}

// kmeansWorkers is kmeans with at most workers goroutines in the assignment step (GOMAXPROCS
// when 0).
func kmeansWorkers(pts []mapPoint, w []float64, k int, seed uint64, maxIter, maxWorkers int) ([]mapPoint, []int32, float64) {
	rng := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	centres := kmeansPP(pts, w, k, rng)
	assign := make([]int32, len(pts))
	if len(centres) == 0 {
		return nil, assign, 0
	}
	for i := range assign {
		assign[i] = -1
	}
	workers := runtime.GOMAXPROCS(0)
	if maxWorkers > 0 {
		workers = min(workers, maxWorkers)
	}
	if len(pts)*len(centres) < 1<<16 {
		workers = 1
	}
	changed := make([]int, workers)
	sums := make([]mapPoint, len(centres))
	wsum := make([]float64, len(centres))
	for iter := 0; iter < maxIter; iter++ {
		var wg sync.WaitGroup
		for c := range workers {
			lo, hi := len(pts)*c/workers, len(pts)*(c+1)/workers
			wg.Add(1)
			go func() {
				defer wg.Done()
				changed[c] = 0
				for i := lo; i < hi; i++ {
					best, bd := int32(0), math.Inf(1)
					for ci, cc := range centres {
						if dd := dist2(pts[i], cc); dd < bd {
							best, bd = int32(ci), dd
						}
					}
					if assign[i] != best {
						assign[i] = best
						changed[c]++
					}
				}
			}()
		}
		wg.Wait()
		moved := 0
		for _, c := range changed {
			moved += c
		}
		if moved == 0 {
			break
		}
		clear(sums)
		clear(wsum)
		for i, p := range pts {
			a, wi := assign[i], weightOf(w, i)
			sums[a][0] += wi * p[0]
			sums[a][1] += wi * p[1]
			wsum[a] += wi
		}
		for c := range centres {
			if wsum[c] > 0 {
				centres[c] = mapPoint{sums[c][0] / wsum[c], sums[c][1] / wsum[c]}
			}
		}
	}
	var inertia float64
	for i, p := range pts {
		inertia += weightOf(w, i) * dist2(p, centres[assign[i]])
	}
	return centres, assign, inertia
}

// weightedSilhouette is the mean silhouette (Rousseeuw 1987) of points that each stand for
// w[i] participants at the same place: a(i) counts the w[i] − 1 co-located peers at distance 0,
// and a participant alone in its group scores 0. The mean is weighted by w. Distances are
// Euclidean; the cost is quadratic in len(pts), which is meant for the base clusters.
func weightedSilhouette(pts []mapPoint, w []float64, assign []int32, k int) float64 {
	sum := make([]float64, k)
	wc := make([]float64, k)
	for i := range pts {
		wc[assign[i]] += weightOf(w, i)
	}
	var total, wtot float64
	for i, p := range pts {
		clear(sum)
		for j, q := range pts {
			if j != i {
				sum[assign[j]] += weightOf(w, j) * math.Sqrt(dist2(p, q))
			}
		}
		own := assign[i]
		wi := weightOf(w, i)
		wtot += wi
		if wc[own]-1 <= 0 {
			continue
		}
		a := sum[own] / (wc[own] - 1)
		b := math.Inf(1)
		for c := range k {
			if int32(c) != own && wc[c] > 0 {
				b = min(b, sum[c]/wc[c])
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		if m := max(a, b); m > 0 {
			total += wi * (b - a) / m
		}
	}
	if wtot == 0 {
		return 0
	}
	return total / wtot
}

// AdjustedRandIndex compares two partitions of the same items (Hubert and Arabie, "Comparing
// partitions", Journal of Classification 2, 1985, pp. 193–218): with n_ij the contingency
// counts, a_i and b_j its margins and C(x) = x(x−1)/2,
//
//	ARI = (Σ C(n_ij) − Σ C(a_i) Σ C(b_j) / C(n)) / (½(Σ C(a_i) + Σ C(b_j)) − Σ C(a_i) Σ C(b_j) / C(n)).
//
// It is 1 for identical partitions (up to relabelling) and about 0 for independent ones. Labels
// are any ints, negative ones included. When the denominator is 0 — both partitions put all
// items together, or both put each apart — the partitions are identical and the result is 1.
// It panics if the lengths differ.
func AdjustedRandIndex(a, b []int) float64 {
	if len(a) != len(b) {
		panic("stats: AdjustedRandIndex of partitions of different lengths")
	}
	type pair struct{ x, y int }
	cells := map[pair]float64{}
	rows := map[int]float64{}
	cols := map[int]float64{}
	for i := range a {
		cells[pair{a[i], b[i]}]++
		rows[a[i]]++
		cols[b[i]]++
	}
	c2 := func(x float64) float64 { return x * (x - 1) / 2 }
	var index, sa, sb float64
	for _, v := range cells {
		index += c2(v)
	}
	for _, v := range rows {
		sa += c2(v)
	}
	for _, v := range cols {
		sb += c2(v)
	}
	n := float64(len(a))
	if n < 2 {
		return 1
	}
	expected := sa * sb / c2(n)
	maxIndex := (sa + sb) / 2
	if maxIndex == expected {
		return 1
	}
	return (index - expected) / (maxIndex - expected)
}
