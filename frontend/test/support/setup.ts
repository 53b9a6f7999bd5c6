import '@testing-library/jest-dom';

// Each test starts with no key, no saved settings or history, at the default route. (Before
// each rather than after: clearing after would re-render a view that is being unmounted.)
beforeEach(() => {
  sessionStorage.clear();
  localStorage.clear();
  window.history.replaceState(null, '', '/');
});
