// Memory sweep (c): N VUs that each send one request, then think for a long time.
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  vus: Number(__ENV.VUS || 1000),
  duration: __ENV.DURATION || '60s',
  discardResponseBodies: true,
};

export default function () {
  http.get(__ENV.URL || 'http://127.0.0.1:9600/');
  sleep(600);
}
