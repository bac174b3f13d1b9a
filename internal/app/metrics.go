package app

import (
	"github.com/joinedup/joinedup/internal/platform/db"
	"github.com/prometheus/client_golang/prometheus"
)

// dbCollector reports both pools' statistics.
type dbCollector struct {
	d                                   *db.DB
	open, inUse, idle, waitCount, waitS *prometheus.Desc
}

func newDBCollector(d *db.DB) *dbCollector {
	l := []string{"pool"}
	return &dbCollector{d: d,
		open:      prometheus.NewDesc("joinedup_db_open_connections", "Open connections by pool.", l, nil),
		inUse:     prometheus.NewDesc("joinedup_db_in_use_connections", "Connections in use by pool.", l, nil),
		idle:      prometheus.NewDesc("joinedup_db_idle_connections", "Idle connections by pool.", l, nil),
		waitCount: prometheus.NewDesc("joinedup_db_wait_count_total", "Waits for a connection by pool.", l, nil),
		waitS:     prometheus.NewDesc("joinedup_db_wait_seconds_total", "Time waited for a connection by pool.", l, nil),
	}
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.open
	ch <- c.inUse
	ch <- c.idle
	ch <- c.waitCount
	ch <- c.waitS
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	read, write := c.d.Stats()
	for pool, s := range map[string]struct {
		open, use, idle int
		wc              int64
		ws              float64
	}{
		"read":  {read.OpenConnections, read.InUse, read.Idle, read.WaitCount, read.WaitDuration.Seconds()},
		"write": {write.OpenConnections, write.InUse, write.Idle, write.WaitCount, write.WaitDuration.Seconds()},
	} {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(s.open), pool)
		ch <- prometheus.MustNewConstMetric(c.inUse, prometheus.GaugeValue, float64(s.use), pool)
		ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.idle), pool)
		ch <- prometheus.MustNewConstMetric(c.waitCount, prometheus.CounterValue, float64(s.wc), pool)
		ch <- prometheus.MustNewConstMetric(c.waitS, prometheus.CounterValue, s.ws, pool)
	}
}
