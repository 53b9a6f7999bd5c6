// Stylesheets do nothing in jsdom; components import them for Vite only.
module.exports = {};
