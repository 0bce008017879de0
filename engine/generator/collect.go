package generator

import "github.com/prometheus/client_golang/prometheus"

// Metric descriptions; docs/metrics.md lists them.
var (
	descCPU = prometheus.NewDesc("trafficsim_generator_cpu_ratio",
		"CPU the engine process used over the last second, as a share of GOMAXPROCS (1 = every core it may use).", []string{"run"}, nil)
	descLag = prometheus.NewDesc("trafficsim_generator_timer_lag_seconds",
		"p99 of how late the engine's timers fired over the last second (think times, arrivals, its own tick).", []string{"run"}, nil)
	descHeap = prometheus.NewDesc("trafficsim_generator_memory_bytes",
		"Memory the Go runtime holds (what --max-memory limits).", []string{"run"}, nil)
	descSat = prometheus.NewDesc("trafficsim_generator_saturated",
		"1 while the engine itself is the bottleneck (CPU ≥ 90% of GOMAXPROCS or median timer lag ≥ 20ms over the last second): measured latencies include its own delay.", []string{"run"}, nil)
	descSatSec = prometheus.NewDesc("trafficsim_generator_saturated_seconds_total",
		"Seconds the engine has been saturated.", []string{"run"}, nil)
	descRefused = prometheus.NewDesc("trafficsim_generator_vus_refused_total",
		"VUs not started because the process was near --max-memory.", []string{"run", "reason"}, nil)
)

// Collector exports the monitor's status as the run's trafficsim_generator_* series.
func (m *Monitor) Collector(run string) prometheus.Collector { return collector{m: m, run: run} }

type collector struct {
	m   *Monitor
	run string
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCPU, descLag, descHeap, descSat, descSatSec, descRefused} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	st := c.m.Status()
	sat := 0.0
	if st.Saturated {
		sat = 1
	}
	ch <- prometheus.MustNewConstMetric(descCPU, prometheus.GaugeValue, st.CPU/float64(max(st.Procs, 1)), c.run)
	ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, st.TimerLag.Seconds(), c.run)
	ch <- prometheus.MustNewConstMetric(descHeap, prometheus.GaugeValue, float64(st.Heap), c.run)
	ch <- prometheus.MustNewConstMetric(descSat, prometheus.GaugeValue, sat, c.run)
	ch <- prometheus.MustNewConstMetric(descSatSec, prometheus.CounterValue, st.SatSeconds, c.run)
	ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(st.VUsRefused), c.run, "memory")
}
