// Single-endpoint GET workload (sweep a): as many requests as N VUs can send.
import http from 'k6/http';

export const options = {
  vus: Number(__ENV.VUS || 50),
  duration: __ENV.DURATION || '10s',
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'p(95)', 'max'],
};

export default function () {
  http.get(__ENV.URL || 'http://127.0.0.1:9600/');
}
