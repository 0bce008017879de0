import React from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { AppRootProps } from '@grafana/data';

import { ROUTES } from '../../constants';
import { Scenarios } from '../../pages/Scenarios';
import { Simulations } from '../../pages/Simulations';
import { prefixRoute } from '../../routing';

/** App routes the app's pages; anything unknown lands on Simulations. */
export function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path={ROUTES.Simulations} element={<Simulations />} />
      <Route path={ROUTES.Scenarios} element={<Scenarios />} />
      <Route path="*" element={<Navigate to={prefixRoute(ROUTES.Simulations)} replace />} />
    </Routes>
  );
}

export default App;
