// Imported assets become their URL in Vite; a stable stand-in here.
module.exports = 'test-asset-stub';
